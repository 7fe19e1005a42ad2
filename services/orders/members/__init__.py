"""Members: one id for every channel, phone sign-up, the member QR code the till scans."""
