"""目标管理: a committee's yearly target scheme, the members' sheets, scores and self-reports."""
