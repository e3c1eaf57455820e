"""The review app: FastAPI over the artifact store, with a websocket per job for live updates."""
