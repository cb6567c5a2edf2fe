"""Staff authentication: password hashing, access tokens, roles and their permissions."""
