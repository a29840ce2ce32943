"""Development machinery shared by the benchmark scripts: caches, ground-truth grids, workload
sets, corpus builders, peer harnesses and the BENCHMARKS.md writer.

The scripts in ``benchmarks/`` each answer one question and import what they share from here
(``sys.path`` gets ``benchmarks/`` first, so ``from dev.record import record`` works from any
script). Nothing in ``src/lrkit`` imports this package.
"""
