package cn.pos.app

import android.app.Activity
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.view.View
import android.view.Window
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch

/**
 * A screen that draws what the service publishes: the checkout's frames ([MainActivity]) or one
 * flow of the open [Session] (settlement, day end, the offline queue, history's operations). It
 * follows its [source] only while started, so a screen in the background costs nothing and one
 * coming back draws what it missed; collection is on a background dispatcher (the flows are fed
 * from the core's threads), drawing on the main thread (no Dispatchers.Main: the app has no
 * AndroidX). What it draws lives in the service, so a rotation or a destroyed activity loses nothing.
 */
abstract class ObservingActivity<S : Any> : Activity() {
    private val watch = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val main = Handler(Looper.getMainLooper())
    private var observing: Job? = null

    /** The last value observed, null until the first arrives (or with no session open). */
    protected var state: S? = null
        private set

    /** What this screen follows now, null for nothing (yet); asked on the main thread at each start. */
    protected abstract fun source(): Flow<S>?

    /** Draws the screen from [state] (and the session, if any); on the main thread. */
    protected abstract fun draw()

    /** A value observed, on the main thread: kept in [state], then drawn. */
    protected open fun onState(value: S) {
        state = value
        draw()
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        requestWindowFeature(Window.FEATURE_NO_TITLE)
        draw()
    }

    override fun onStart() {
        super.onStart()
        observe()
    }

    /** Follows [source] now (unless already following it): at each start, and once there is something to follow. */
    protected fun observe() {
        if (observing?.isActive == true) return
        val flow = source() ?: return
        observing = watch.launch {
            flow.collect { v -> main.post { if (!isDestroyed) onState(v) } }
        }
    }

    override fun onStop() {
        observing?.cancel()
        observing = null
        super.onStop()
    }

    override fun onDestroy() {
        watch.cancel()
        super.onDestroy()
    }

    /**
     * The open session and the last observed [state]; when either is missing, shows [header]
     * over "devices unavailable" (no session: the service is not open) or "starting" (nothing
     * observed yet), tagged [tag], and returns null: the caller draws nothing more.
     */
    protected fun observedOrUnavailable(ui: Ui, header: View, tag: String): Pair<Session, S>? {
        val session = PosHub.session
        val st = state
        if (session != null && st != null) return session to st
        setContentView(ui.page(header, ui.label(if (session == null) Words.devicesUnavailable else Words.starting, tag = tag)))
        return null
    }
}
