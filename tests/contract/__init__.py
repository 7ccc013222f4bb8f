"""The contract suites of the connector interfaces."""
