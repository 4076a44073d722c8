// Placeholder: the benchmark harness lands here.
print("suno-bench")
