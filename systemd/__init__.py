"""systemd user units, installed by `radiosilence install-service`."""
