"""cibgraph: investigate coordinated inauthentic behaviour with a Neo4j graph."""

__version__ = "0.1.0"
