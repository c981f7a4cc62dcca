import glob
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from cue_plugin.utils.fileio import atomic_write_bytes
from cue_plugin.registry import HOOKS
from cue_plugin.utils.checkpoint import fsync_dir, fsync_file


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose saves survive a kill at any moment.

    mmengine's hook deletes the outdated checkpoint (``max_keep_ckpts``) *before*
    writing the new one, into its final name, and then rewrites ``last_checkpoint`` in
    place: a kill while saving leaves no complete checkpoint and a ``last_checkpoint``
    naming a deleted or half-written file, so ``--resume`` fails. Here the checkpoint
    is written to a hidden temporary file in the same folder, synced and renamed into
    place; then ``last_checkpoint`` is replaced atomically; only then are outdated
    checkpoints removed. Whenever the process dies, ``last_checkpoint`` names a complete
    file. Remote backends (no atomic rename) keep mmengine's behaviour.

    Args: as :class:`mmengine.hooks.CheckpointHook`.
    """

    TMP_SUFFIX = '.tmp'

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and self._is_local():
            # Leftovers of a run killed while saving: never complete, never named.
            for path in glob.glob(osp.join(self.out_dir, '.*.pth.*' + self.TMP_SUFFIX)):
                os.remove(path)

    def _is_local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    def _ckpt_path(self, step) -> str:
        return self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(step))

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not self._is_local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        outdated = []
        # Same bookkeeping as mmengine (the ids go into this checkpoint's message hub);
        # the files themselves are removed once the new checkpoint is in place.
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self._ckpt_path(step)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp_name = f'.{ckpt_filename}.{os.getpid()}{self.TMP_SUFFIX}'
        save = dict(save_optimizer=self.save_optimizer,
                    save_param_scheduler=self.save_param_scheduler, meta=meta,
                    by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        if not is_main_process():
            runner.save_checkpoint(self.out_dir, tmp_name, self.file_client_args, **save)
            return  # the runner writes on rank 0 only
        tmp_path = osp.join(self.out_dir, tmp_name)
        try:
            runner.save_checkpoint(self.out_dir, tmp_name, self.file_client_args, **save)
            fsync_file(tmp_path)
            os.replace(tmp_path, self.last_ckpt)
        finally:
            if osp.exists(tmp_path):
                os.remove(tmp_path)
        fsync_dir(self.out_dir)
        atomic_write_bytes(osp.join(runner.work_dir, 'last_checkpoint'),
                           self.last_ckpt.encode())
        for old in outdated:
            path = self._ckpt_path(old)
            if osp.isfile(path) and path != self.last_ckpt:
                os.remove(path)
