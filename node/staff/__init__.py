"""Staff of the institution: accounts, roles, console sign-in (password + TOTP, or OpenID
Connect at the institution's identity provider) and sessions."""
