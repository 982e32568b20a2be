ü*1
fooz
