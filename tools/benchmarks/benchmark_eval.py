# Steady-state evaluation throughput (predict) of a config's model on synthetic batches.
#   python tools/benchmarks/benchmark_eval.py CONFIG [--batch-size 256] [--amp] [--peak-tflops 798]
import os.path as osp
import runpy

if __name__ == '__main__':
    runpy.run_path(osp.join(osp.dirname(__file__), 'benchmark_train.py'),
                   run_name='benchmark')['main']('eval')
