"""A real Neo4j 5.26 Community server, fetched from Maven Central and run locally."""
