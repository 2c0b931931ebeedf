"""Files on disk: saved runs (.bpp), atomic writes, and the files that ship with the program."""
