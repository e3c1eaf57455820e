"""Remote render providers: durable tasks, error kinds, rate limits, conforming, one adapter per SDK."""
