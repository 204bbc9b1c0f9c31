"""The texts people read — pages, mails, error messages — as gettext catalogues (Babel)."""
