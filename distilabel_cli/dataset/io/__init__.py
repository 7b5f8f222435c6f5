"""Reading inputs (files, folders, the Hub) and writing outputs (folders, exports, the Hub)."""
