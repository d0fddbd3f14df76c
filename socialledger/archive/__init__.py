"""Half-year archive packages: what they hold, how they are packed (E-ARK SIP), how they are checked."""
