"""Local stand-ins for the managed services logwarden talks to in AWS, for tests and the local run."""
