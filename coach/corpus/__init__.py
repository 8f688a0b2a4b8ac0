"""Examples corpus: role library, offline embeddings, sqlite-vec index and search."""
