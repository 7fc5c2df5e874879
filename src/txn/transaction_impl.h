// Transactions (strata/transaction.h) over a TxnHost: the write set and
// read tracking of one transaction, its reads merged with its own writes,
// and its commit through the host's validated commit.

#pragma once

#include <memory>

#include "strata/options.h"
#include "strata/transaction.h"
#include "txn/txn_host.h"

namespace strata::internal {

// A new transaction on `host` (borrowed: must outlive it).
std::unique_ptr<Transaction> NewTransaction(TxnHost* host,
                                            const WriteOptions& write_options,
                                            const TransactionOptions& options);

}  // namespace strata::internal
