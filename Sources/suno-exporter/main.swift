print("suno-exporter")
