"""HTTP handlers of the face recognition service, one module per URL noun."""
