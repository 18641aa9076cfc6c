"""Identity: users, teams and memberships, roles, API keys, tokens, principals and permissions."""
