"""The lock screen: who is using this PC, their password or the keyring, and the
first sign-in online. Apart from the desktop's views (ui/), which open after it."""
