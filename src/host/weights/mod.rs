//! Reading a state_dict from a weights file.
