//! Integration tests: each drives the real `wecon` binary on real files in a temp folder.

mod allocator;
mod archives;
mod audit;
mod bad_input;
mod browser;
mod chat;
mod cluster;
mod compare;
mod corpora;
mod enron;
mod exact;
mod hardening;
mod helpers;
mod incremental;
mod invites;
mod objectstore;
mod privacy;
mod pst;
mod recurrence;
mod roster;
mod sample;
mod shared_service;
mod transactions;
mod truth;
