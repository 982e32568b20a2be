#tt
