"""Ingest: source adapters (CloudWatch Logs, Amazon MQ) turn deliveries into ``SourceRecord``s; one
pipeline normalises, masks and indexes them, whatever the source."""
