"""The offline demo: a small 2025 corpus served as feeds and pages on 127.0.0.1."""
