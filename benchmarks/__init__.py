"""faas-grip's benchmarks beside the anchors (`make bench`, `python -m benchmarks`).

run.py drives a whole run and writes docs/benchmarks.md; anchors.py makes the anchors'
virtualenvs and runs worker.py in each; workload.py is what every side runs; cold_start.py,
warm.py, codec.py, publishing.py, e2e.py and layer_size.py measure; report.py writes the page and
the chart. bench_protocol.py, bench_publish.py and bench_websocket.py are the earlier stand-alone
scripts, whose measuring functions the suite reuses.
"""
