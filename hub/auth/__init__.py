"""Staff authentication: roles and permissions, password hashing and policy, access tokens, login sessions
(refresh rotation), TOTP 2FA, live session state in Redis, account operations and the confirmation of
sensitive actions. the README's Security section describes the whole."""
