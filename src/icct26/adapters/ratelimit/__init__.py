"""Rate-limit stores behind `icct26.services.ratelimit.RateLimiter`."""
