"""Where documents go: OpenSearch (bulk, with retries) and the dead-letter store (everything else)."""
