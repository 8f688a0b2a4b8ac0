"""The web page the service serves at `/`: static HTML, CSS and JavaScript, no build step, nothing remote."""
