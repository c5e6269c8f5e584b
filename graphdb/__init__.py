"""graphdb: AI research papers as a Neo4j graph, with explicit counting rules."""

__version__ = "0.1.0"
NEO4J_VERSION = "5.26.30"
NEO4J_BROWSER_VERSION = "5.24.0"
