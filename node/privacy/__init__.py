"""Personal data and small counts: the anonymisation guard, its detectors and count suppression."""
