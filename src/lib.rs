//! srec library.
