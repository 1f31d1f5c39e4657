# The cibgraph API for docker-compose.yml (Neo4j runs in its own container).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cibgraph ./cibgraph
RUN pip install --no-cache-dir .
EXPOSE 8000
USER nobody
CMD ["cibgraph", "serve"]
