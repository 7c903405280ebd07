"""Multi-factor sign-in: an authenticator app's one-time codes (TOTP, RFC 6238) after the
password, single-use recovery codes for when the app is lost, and an administrator's reset.

``keys`` makes, shows, seals and checks the app's key; ``operations`` changes accounts;
``views`` holds the pages, between the password and the rest of the portal and in the
person's own account."""
