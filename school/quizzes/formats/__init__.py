"""Question file formats (GIFT, Aiken, Excel): each reads to and writes from ParsedQuestion."""
