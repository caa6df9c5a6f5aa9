//! The integration test binary: runs the real `viscan` binary against trees built at test time.
//! Secrets are generated from fixed seeds while the tests run, so this repository holds none.

mod util;

mod archives;
mod audit;
mod bundles;
mod ci;
mod corpus;
mod history;
mod hostile;
mod props;
mod release;
mod robust;
mod rules;
mod scan;
mod site;
mod staged;
mod suppress;
mod terminal;
mod trust;
