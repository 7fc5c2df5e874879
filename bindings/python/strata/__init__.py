"""strata: an embeddable, persistent, ordered key-value store (an LSM tree).

Keys and values are bytes (bytearray and memoryview are accepted as input)::

    import strata

    with strata.DB("/tmp/example-db") as db:
        db[b"apple"] = b"red"
        db.put(b"banana", b"yellow", sync=True)
        print(db[b"apple"], db.get(b"cherry", b"none"))
        with db.write_batch() as batch:        # atomic
            batch.put(b"cherry", b"dark red")
            batch.delete(b"banana")
        for key, value in db.items(prefix=b"c"):
            print(key, value)
        with db.transaction() as txn:          # commits, or raises Conflict
            txn[b"apple"] = txn[b"apple"] + b"!"

Errors are subclasses of strata.Error: NotFound (also a KeyError),
Corruption, IOError (also an OSError), Conflict, InvalidArgument (also a
ValueError), NotSupported and TryAgain. See the README for threading and
lifetime rules.
"""

from ._strata import (
    DB,
    Checkpoint,
    CheckpointFile,
    Conflict,
    Corruption,
    Error,
    InvalidArgument,
    IOError,
    Iterator,
    NotFound,
    NotSupported,
    RepairReport,
    Snapshot,
    Transaction,
    TryAgain,
    WriteBatch,
    __version__,
    destroy,
    repair,
    restore,
)

__all__ = [
    "DB",
    "Checkpoint",
    "CheckpointFile",
    "Conflict",
    "Corruption",
    "Error",
    "IOError",
    "InvalidArgument",
    "Iterator",
    "NotFound",
    "NotSupported",
    "RepairReport",
    "Snapshot",
    "Transaction",
    "TryAgain",
    "WriteBatch",
    "__version__",
    "destroy",
    "repair",
    "restore",
]
