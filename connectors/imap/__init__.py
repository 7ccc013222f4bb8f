"""The IMAP connector: mail source and draft sink over one IMAPClient connection."""
