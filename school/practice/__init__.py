"""Daily practice (每日答题): five questions a day from the practice bank, and a streak."""
