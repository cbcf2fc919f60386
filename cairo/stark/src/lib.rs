//! A generic STARK engine over the Stark252 field.
