"""Rate-limit stores behind `icct26.domain.ports.RateLimiter`."""
