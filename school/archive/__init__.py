"""The study archive (学习档案)."""
