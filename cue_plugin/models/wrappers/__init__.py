from .cap_distributed_data_parallel import CAPDistributedDataParallel

__all__ = ['CAPDistributedDataParallel']
