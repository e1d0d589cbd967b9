"""Points (积分): a ledger per member, earned through domain events under versioned rules."""
