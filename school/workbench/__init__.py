"""The staff workbench (工作台): what waits for a secretary or committee today, in one page."""
