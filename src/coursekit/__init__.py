"""coursekit: the models, simulators and exercise machinery of the course
"Deep learning and computational neuroscience from the papers".

One module per chapter's model, named after it, so that a model is found in one guess:

    week 0   optim        finite differences, roots, descent, logistic regression
    week 1   perceptron   Rosenblatt's rule, Novikoff's bound, Cover's capacity
    week 2   hopfield     the Hopfield network        boltzmann   the Boltzmann machine
             rbm          RBMs, CD-k, deep belief nets
    week 3   nn           the layer framework          backprop    gradient checks, Rumelhart et al.
    week 4   ica          whitening, infomax, FastICA
    week 5   conv         convolution and pooling layers
    week 6   rnn          Elman networks and the LSTM
    week 7   rl           tabular worlds, dynamic programming, TD learning, dopamine
    week 8   info         entropy, channels, the Kalman filter, LQR
    week 9   diffusion    Stokes–Einstein, Fick, Brownian motion, the MSD
    week 10  anomalous    CTRW, Lévy flights, fBm, the exponent α, ergodicity breaking
    week 11  stokes       low Reynolds number, swimmers, run and tumble, receptors
    week 12  deep         initialisation, signals through depth   pretraining  greedy RBM stacks
             deeplinear   Saxe et al.'s learning dynamics          sawtooth     what depth buys

and beside them ``datasets`` (bundled data), ``constants`` (physical constants, one value each),
``plotting`` (the figure style and every drawing and animation), ``widgets`` (explorers), ``checks``
(the exercises' public checks) and ``grading`` (check(), student notebooks, the grader). Shared
numerics (``_numerics``), argument checking (``_validate``), the ``History`` of a training run
(``_history``) and settings (``_config``) are private: each is written once and used everywhere.

Conventions, followed by every module (``tests/test_conventions.py`` checks the first two over the
whole public API):

* **Randomness** is an explicit keyword-only argument ``rng``: an integer seed or a
  ``numpy.random.Generator`` (never global state, never implicit). Same seed, same numbers. A
  function converts it once and passes the Generator on. ``rng=None`` is allowed only where it
  means "no randomness" (a perceptron visiting its patterns in order, synchronous recall).
* **Results**: a function that computes one quantity returns it (a float for a scalar, an array
  otherwise). A fit, a simulation with diagnostics or a solver returns a small dataclass whose
  fields are named in the chapter's notation (``fit.rbm``, ``res.v``, ``capacity.C``); never a bare
  tuple or a dict of fixed keys. Tuples remain only where the library convention is a tuple: data
  as ``(X, y)`` like scikit-learn's ``return_X_y``, a model's matrices unpacked into arguments, a
  distribution as ``(values, probabilities)``, the gradients of a layer's parameters, one step of
  a filter ``(x, P)``.
* **Histories**: a training loop records per-epoch quantities in one ``History`` type
  (``history.loss``, ``history.log_likelihood``; ``coursekit.nn.History``); a quantity not recorded
  is an empty list.
* **Units**: SI, with the unit in the docstring, not in the parameter's name (``T`` in K, ``eta``
  in Pa·s, ``radius`` in m); simulations of walkers and swimmers work in the units of their
  arguments. Physical constants come from :mod:`coursekit.constants`.
* **Argument order**: the data or the object first, then geometry (sizes), kinematics (speeds,
  rates, diffusion coefficients), the medium (temperature, viscosity, density), then options.
* **Checking**: bad input raises ``ValueError`` or ``TypeError`` before any work, naming the argument
  and showing the bad value. Options and settings are declared with ``_validate.validate`` (one rule
  per argument); a function with more than about eight knobs takes a frozen configuration
  dataclass (``rbm.RBMTraining``, ``boltzmann.EncoderTraining``) checked the same way.
* **Docstrings** give the equation in the chapter's notation, the paper, and the chapter that uses
  the function ("Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb").

Import what a chapter needs:

    from coursekit import optim, plotting
    from coursekit.grading import check
"""

__version__ = "0.1.0"
