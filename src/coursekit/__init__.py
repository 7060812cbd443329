"""coursekit: the models, simulators and exercise machinery of the course
"Deep learning and computational neuroscience from the papers".

One module per subject (``optim``, ``perceptron``, ``energy``, ``nn``, ...); ``grading`` holds the
exercise machinery; ``plotting`` the one figure style. Import what a chapter needs:

    from coursekit import optim, plotting
    from coursekit.grading import check
"""

__version__ = "0.1.0"
