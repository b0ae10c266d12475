"""Pure domain model: entities, rules, errors and ports. Imports no framework."""
