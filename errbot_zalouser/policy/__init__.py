"""Pure access decisions: dmPolicy/groupPolicy gates, pairing codes, name resolution."""
